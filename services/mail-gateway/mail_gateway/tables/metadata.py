"""The `mail` schema's one MetaData, shared by the table modules."""

from sqlalchemy import MetaData

metadata = MetaData()
