"""Personalized onboarding: usage events, ranked tips that cite KB articles, the guided tour."""
