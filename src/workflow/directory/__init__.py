"""The public directory of active assisters ("Find local help") and what assisters tell it."""
