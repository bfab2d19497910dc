"""The published OpenAPI document: error answers, examples, field descriptions, samples."""
