"""Users, roles, regions (行政区划), Party organizations and data scope."""
