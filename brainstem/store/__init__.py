"""brainstem.store"""
