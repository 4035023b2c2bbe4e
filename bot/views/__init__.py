"""bot.views"""
