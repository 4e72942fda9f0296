package com.aurous.server.model;

/** A model directory cannot be served: bad manifest, missing signature, wrong dtype or shape. */
public class ModelLoadException extends RuntimeException {

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
