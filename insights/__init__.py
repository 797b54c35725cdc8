"""Reports over the stored activity of a tenant: live metrics, voice of the customer, KB gaps.

They read the turn log, tickets, ratings and surveys of the ticket database, and for stale
docs the chunks of a KB. They never change what they read.
"""
