"""brainstem.score"""
