"""The hours report (the statistics page's Customers and Operators tabs, seed 10.9): raw and rounded
hours per operator, per customer and per operator and customer, over a range of local days."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.inputs import Day, RequestModel, TimeZone

LocalDate = date
NO_CUSTOMER = "No customer"
ZONE_HELP = "The IANA time zone the days are counted in; UTC if left out."


class ReportQuery(RequestModel):
    # A query string may carry what the read does not use (a cache buster).
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Day = Field(alias="from", description="The first local day, YYYY-MM-DD.")
    to: Day = Field(description="The last local day (included), at most 366 days after `from`.")
    time_zone: TimeZone = Field(default="UTC", description=ZONE_HELP)


class Hours(BaseModel):
    raw_seconds: int
    rounded_seconds: int
    raw_hours: float = Field(description="raw_seconds in hours, to two decimals.")
    rounded_hours: float = Field(description="rounded_seconds in hours, to two decimals.")


class OperatorHours(Hours):
    user_id: uuid.UUID
    username: str


class CustomerHours(Hours):
    customer_id: uuid.UUID | None = Field(description="Null for tickets of no customer.")
    customer_name: str


class OperatorCustomerHours(Hours):
    user_id: uuid.UUID
    username: str
    customer_id: uuid.UUID | None
    customer_name: str


class HoursReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: LocalDate = Field(alias="from")
    to: LocalDate
    time_zone: str
    total: Hours
    operators: list[OperatorHours] = Field(description="By username.")
    customers: list[CustomerHours] = Field(description="By name, 'No customer' last.")
    matrix: list[OperatorCustomerHours] = Field(
        description="Every operator and customer with time between them, by username, then customer."
    )
