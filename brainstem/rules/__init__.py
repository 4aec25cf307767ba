"""brainstem.rules"""
