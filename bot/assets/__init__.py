"""IT assets a departing person must hand back: register and Intune devices, return tracking, seats."""
