"""The example use case: predict whether a New York flight arrives 15+ minutes late."""
