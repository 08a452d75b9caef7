"""Scheduled training sessions: publishing, sign-ups with a waiting list, reminders and
attendance (which records the course through the assister's machine)."""
