-- 010: a numbered menu is remembered under the chat's address (`channel:id`), so that
-- Telegram's and Zalo's ids can never meet, and erasure finds a person's by their addresses.
UPDATE numbered_menus SET chat_key = 'telegram:' || chat_key WHERE chat_key NOT LIKE '%:%';
