"""Career Relay core: settings, models, domain services, auth and app assembly."""
