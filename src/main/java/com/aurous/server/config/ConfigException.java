package com.aurous.server.config;

/** A configuration value that cannot be used; the message always names the offending key. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
