"""Zero-carbon events (零碳活动); the domain's API for other domains is service.py."""
