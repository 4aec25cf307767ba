"""brainstem.detect"""
