"""`helpdesk admin create`: the first administrator, written straight into the identity schema."""

from __future__ import annotations

from gateway.identity.operators.bootstrap import create_administrator
from gateway.identity.operators.schemas import OperatorOut
from gateway.main import service as gateway
from helpdesk_common.db import create_engine, create_session_factory


async def create_administrator_account(
    url: str, username: str, email: str, display_name: str, password: str
) -> OperatorOut:
    engine = create_engine(url, schema=gateway.schema, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            operator = await create_administrator(
                session, username=username, email=email, display_name=display_name, password=password
            )
            await session.commit()
            return operator
    finally:
        await engine.dispose()
