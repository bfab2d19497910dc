"""HTTP plumbing: the app, its middleware, errors as problems, request bodies, dependencies."""
