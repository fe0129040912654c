"""Citations: the official and GB/T 7714 forms, the basis of a standard, and 依据核查."""
