"""The coordinators' review of questions the bot could not answer, and learning from it."""
