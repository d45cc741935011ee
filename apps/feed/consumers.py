"""Event handlers of the feed app (imported by ``FeedConfig.ready``)."""
