# The load balancer, with the web chat page: bot/web/, the socket.io client from the npm lock file, and
# config.js written by bot/ops/webchat.py for a page that talks to the server it came from.
# Built from the repository root (docker-compose.yml does).
FROM node:20-bookworm-slim AS npm
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM python:3.10-slim-bookworm AS page
WORKDIR /app
COPY bot/ops/webchat.py bot/ops/
RUN python -c "from bot.ops.webchat import page_config; open('config.js', 'wb').write(page_config(''))"

FROM nginx:1.27-bookworm
COPY deploy/nginx.conf /etc/nginx/nginx.conf
COPY bot/web/ /srv/web/
COPY --from=npm /web/node_modules/socket.io-client/dist/socket.io.min.js /srv/web/
COPY --from=page /app/config.js /srv/web/
EXPOSE 80
