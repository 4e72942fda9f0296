package com.aurous.server.auth;

/** The caller a request acts for. */
public record Team(String id, String name, String pinnedVersion) {}
