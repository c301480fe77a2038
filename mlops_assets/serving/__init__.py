"""Online inference: a registered model served over HTTP with online feature vectors.

The service is generic; a use case gives it a :class:`~mlops_assets.serving.recipe.ServingRecipe`
(its request schema, lookups and predictions).
"""
