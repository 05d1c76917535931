-- command schedules: their steps as JSON ([{"command": ...}, {"wait": "5m"}, {"action": ...}])
ALTER TABLE schedules ADD COLUMN steps TEXT;
