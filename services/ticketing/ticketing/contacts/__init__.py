"""Contacts: the people tickets are tied to, and the devices of their company's tenant they use."""
