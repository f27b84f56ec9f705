"""The one MetaData of the `ticketing` schema, which every table module of this package fills."""

from sqlalchemy import MetaData

metadata = MetaData()
