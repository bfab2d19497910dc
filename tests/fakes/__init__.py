"""Hand-written fakes of the services' ports, one module per service."""
