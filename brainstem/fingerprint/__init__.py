"""brainstem.fingerprint"""
