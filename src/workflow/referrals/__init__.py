"""Help On Demand: a consumer asks for help and brokers are offered the referral in turn."""
