"""The gateway's proxy: `/api/<public>/<rest>` forwarded to the services with the internal token attached."""

from gateway.proxy.forward import GatewayProxy
from gateway.proxy.upstreams import PUBLIC_NAMES, upstreams_from_environment

__all__ = ["PUBLIC_NAMES", "GatewayProxy", "upstreams_from_environment"]
