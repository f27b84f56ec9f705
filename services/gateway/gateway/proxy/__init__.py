"""The gateway's proxy: `/api/<public>/<rest>` forwarded to the services with the internal token attached."""

from gateway.proxy.forward import GatewayProxy
from gateway.proxy.front import install

__all__ = ["GatewayProxy", "install"]
