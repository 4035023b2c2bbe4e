"""bot.notifications"""
