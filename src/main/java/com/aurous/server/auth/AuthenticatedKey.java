package com.aurous.server.auth;

/** What a valid API key stands for: its id, its team and its own rate limits. */
public record AuthenticatedKey(String keyId, Team team, KeyLimits limits) {}
