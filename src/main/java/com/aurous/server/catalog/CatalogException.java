package com.aurous.server.catalog;

/**
 * Why a catalog look-up found nothing usable. The catalog knows nothing of HTTP; the API turns
 * each reason into its status and error code.
 */
public final class CatalogException extends RuntimeException {
  public enum Reason {
    /** No such LoRA, or another team's private one: the two are indistinguishable. */
    LORA_MISSING,
    /** No such character, or another team's: the two are indistinguishable. */
    CHARACTER_MISSING,
    /** The character exists for this team but is not ready to generate with. */
    CHARACTER_NOT_READY,
    /** A file_ reference names no live file of this team (missing, expired, deleted or another team's). */
    FILE_MISSING
  }

  private final Reason reason;
  private final String reference;
  private final String status;

  CatalogException(Reason reason, String reference, String status) {
    super(reason + " " + reference, null, false, false);
    this.reason = reason;
    this.reference = reference;
    this.status = status;
  }

  public Reason reason() {
    return reason;
  }

  /** The lora_id or character_id exactly as the request sent it. */
  public String reference() {
    return reference;
  }

  /** The character's status, for {@link Reason#CHARACTER_NOT_READY}; null otherwise. */
  public String status() {
    return status;
  }
}
