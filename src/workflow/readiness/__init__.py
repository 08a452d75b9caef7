"""Open Enrollment readiness: which brokers will not be ready by the next November 1."""
