"""The bus: the NATS connection, the streams and durable consumers, the relay and the consumer runtime."""
