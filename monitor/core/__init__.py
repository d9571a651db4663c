"""Pure logic: matching, diffing, alert building and schedule maths. No network, database or Apprise here."""
