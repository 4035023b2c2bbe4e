"""bot.patches"""
