package com.aurous.server.storage;

import io.vertx.pgclient.PgConnectOptions;

/** Where the node's PostgreSQL is, in the two forms the node needs: Vert.x and JDBC (migrations). */
public record DatabaseTarget(String host, int port, String database, String user, String password) {

  public static DatabaseTarget fromUrl(String url) {
    String u = url.startsWith("jdbc:") ? url.substring(5) : url;
    PgConnectOptions o = PgConnectOptions.fromUri(u);
    return new DatabaseTarget(o.getHost(), o.getPort(), o.getDatabase(), o.getUser(), o.getPassword());
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host).setPort(port).setDatabase(database)
        .setUser(user).setPassword(password == null ? "" : password)
        .setCachePreparedStatements(true).setPipeliningLimit(256);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public DatabaseTarget withDatabase(String db) {
    return new DatabaseTarget(host, port, db, user, password);
  }
}
