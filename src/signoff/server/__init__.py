"""The organisation's server: API, webhooks and pages over the store, calling the library."""
