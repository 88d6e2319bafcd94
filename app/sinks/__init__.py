"""Carbon sinks (林草湿碳汇); the domain's API for other domains is service.py."""
