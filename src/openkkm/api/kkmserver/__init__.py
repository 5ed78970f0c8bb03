"""The KkmServer /Execute dialect: request models, validation into the fiscal model, responses."""
