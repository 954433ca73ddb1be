"""案件: the case list over the store, its filters, and the case detail."""
