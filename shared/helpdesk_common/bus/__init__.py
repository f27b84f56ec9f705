"""The bus: the broker, the streams and durable consumers, the relay and the consumer runtime."""
