# The streamlearn image: `docker build -t streamlearn .`, then
# `docker run --rm streamlearn run` (config from STREAMLEARN_* environment variables) or any other
# command: topics create, simulate, replay, demo.

# --- build: the shaded jar target/streamlearn.jar
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
# Dependencies first, in their own layer: a source change does not download them again.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY topics topics
COPY src/main src/main
RUN mvn -B -DskipTests package

# --- run
FROM eclipse-temurin:17-jre
RUN groupadd --system streamlearn \
 && useradd --system --gid streamlearn --home-dir /app --shell /usr/sbin/nologin streamlearn \
 && mkdir -p /app /var/lib/streamlearn \
 && chown streamlearn:streamlearn /var/lib/streamlearn
COPY --from=build /build/target/streamlearn.jar /app/streamlearn.jar
# /var/lib/streamlearn: for state.dir (Kafka Streams' state, the model store), owned by the
# user so that a volume mounted there is writable (docker-compose.yml mounts one).
USER streamlearn
WORKDIR /app
EXPOSE 9404
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/streamlearn.jar"]
CMD ["--help"]
