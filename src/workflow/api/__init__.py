"""HTTP API: litestar controllers that parse input, call a service and map errors."""
