"""Support assistant core: settings, domain types, stores, errors and the LLM client."""
