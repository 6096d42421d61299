"""The synthetic CRM data generator: schema, scenarios, simulation, defects, save/load."""
