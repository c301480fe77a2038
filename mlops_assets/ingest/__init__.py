"""Raw data on its way in: the landing zone upstream systems drop daily files into, and the
raw tables the feature pipeline reads (one Delta table per source; a run replaces its days)."""
