"""brainstem.memory"""
